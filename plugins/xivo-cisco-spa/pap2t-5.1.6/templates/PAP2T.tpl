{% extends 'base.tpl' %}

{% block model_specific %}
  <!-- PAP2T specific settings -->
  <Enable_Web_Server>Yes</Enable_Web_Server>
  <Preferred_Codec_1_>G711a</Preferred_Codec_1_>
  <Preferred_Codec_2_>G711a</Preferred_Codec_2_>
  <FXS_Port_Impedance>600</FXS_Port_Impedance>
  <Call_Waiting_Serv_1_>Yes</Call_Waiting_Serv_1_>
  <Call_Waiting_Serv_2_>Yes</Call_Waiting_Serv_2_>
  <Caller_ID_Method_1_>ETSI FSK</Caller_ID_Method_1_>
  <Syslog_Server>{{ syslog_ip }}</Syslog_Server>
  <Debug_Server>{{ syslog_ip }}</Debug_Server>
  <Debug_Level>0</Debug_Level>
  <DTMF_Tx_Method_1_>Auto</DTMF_Tx_Method_1_>
  <NAT_Keep_Alive_Enable_1_>Yes</NAT_Keep_Alive_Enable_1_>
  <Register_Expires_1_>3600</Register_Expires_1_>
  <Upgrade_Enable>Yes</Upgrade_Enable>
  <Upgrade_Rule>tftp://{{ ip }}/firmware/pap2t-5-1-6.bin</Upgrade_Rule>
{% endblock %}
