    {% for num, fkey in funckeys.items() %}
    <fkey idx="{{ num }}" context="active" label="{{ fkey.label }}" perm="R">{{ fkey.type }} {{ fkey.value }}</fkey>
    {% endfor %}
