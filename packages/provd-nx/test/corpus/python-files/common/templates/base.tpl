display={{ display_name }}
