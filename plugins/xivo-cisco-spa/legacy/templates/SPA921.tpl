{% extends 'base.tpl' %}

{% block model_specific %}
  <!-- SPA921 specific settings -->
  <Station_Name>{{ display_name }}</Station_Name>
  <Voice_Mail_Number>{{ exten_voicemail }}</Voice_Mail_Number>
  <Text_Logo>XiVO</Text_Logo>
  <Back_Light_Timer>10 s</Back_Light_Timer>
  <Preferred_Codec_1_>G711u</Preferred_Codec_1_>
  <Use_Pref_Codec_Only_1_>No</Use_Pref_Codec_Only_1_>
  <Dial_Plan_1_>(*xx|[3469]11|0|00|[2-9]xxxxxx|1xxx[2-9]xxxxxxS0|xxxxxxxxxxxx.)</Dial_Plan_1_>
  <Syslog_Server>{{ syslog_ip }}</Syslog_Server>
  <Debug_Server>{{ syslog_ip }}</Debug_Server>
  <Debug_Level>0</Debug_Level>
  <DTMF_Tx_Method_1_>Auto</DTMF_Tx_Method_1_>
  <NAT_Keep_Alive_Enable_1_>Yes</NAT_Keep_Alive_Enable_1_>
  <Register_Expires_1_>3600</Register_Expires_1_>
  <Upgrade_Enable>Yes</Upgrade_Enable>
  <Upgrade_Rule>tftp://{{ ip }}/firmware/spa921-5-1-8.bin</Upgrade_Rule>
{% endblock %}
