{% extends 'base.tpl' %}

{% block model_specific %}
  <!-- SPA941 specific settings -->
  <Station_Name>{{ display_name }}</Station_Name>
  <Voice_Mail_Number>{{ exten_voicemail }}</Voice_Mail_Number>
  <Paging_Code>{{ exten_paging }}</Paging_Code>
  <Text_Logo>XiVO</Text_Logo>
  <BMP_Picture_Download_URL></BMP_Picture_Download_URL>
  <Select_Logo>Text Logo</Select_Logo>
  <Select_Background_Picture>None</Select_Background_Picture>
  <Back_Light_Timer>20 s</Back_Light_Timer>
  <LCD_Contrast>8</LCD_Contrast>
  {% for num, fkey in funckeys.items() %}
  <Extension_{{ num }}_>{{ fkey.line }}</Extension_{{ num }}_>
  <Short_Name_{{ num }}_>{{ fkey.label }}</Short_Name_{{ num }}_>
  <Extended_Function_{{ num }}_>fnc=sd;ext={{ fkey.value }}@$PROXY</Extended_Function_{{ num }}_>
  {% endfor %}
  <Syslog_Server>{{ syslog_ip }}</Syslog_Server>
  <Debug_Server>{{ syslog_ip }}</Debug_Server>
  <Debug_Level>0</Debug_Level>
  <DTMF_Tx_Method_1_>Auto</DTMF_Tx_Method_1_>
  <NAT_Keep_Alive_Enable_1_>Yes</NAT_Keep_Alive_Enable_1_>
  <Register_Expires_1_>3600</Register_Expires_1_>
  <Upgrade_Enable>Yes</Upgrade_Enable>
  <Upgrade_Rule>tftp://{{ ip }}/firmware/spa941-7-5-5.bin</Upgrade_Rule>
{% endblock %}
