<flat-profile>
  <!-- Bootstrap file written by configure_common: points the device to its own profile -->
  <Provision_Enable>Yes</Provision_Enable>
  <Resync_On_Reset>Yes</Resync_On_Reset>
  <Profile_Rule>http://{{ ip }}:{{ http_port }}/spa$MA.xml</Profile_Rule>
</flat-profile>
