{% extends 'base.tpl' %}

{% block model_specific %}
  <!-- SPA2102 specific settings -->
  <WAN_Connection_Type>DHCP</WAN_Connection_Type>
  <Enable_Web_Server>Yes</Enable_Web_Server>
  <Enable_Web_Admin_Access>Yes</Enable_Web_Admin_Access>
  <Router_Mode_Enable>No</Router_Mode_Enable>
  <Preferred_Codec_1_>G711a</Preferred_Codec_1_>
  <Preferred_Codec_2_>G711a</Preferred_Codec_2_>
  <FXS_Port_Impedance>600</FXS_Port_Impedance>
  <Ring_Waveform>Sinusoid</Ring_Waveform>
  <Ring_Frequency>25</Ring_Frequency>
  <Syslog_Server>{{ syslog_ip }}</Syslog_Server>
  <Debug_Server>{{ syslog_ip }}</Debug_Server>
  <Debug_Level>0</Debug_Level>
  <DTMF_Tx_Method_1_>Auto</DTMF_Tx_Method_1_>
  <NAT_Keep_Alive_Enable_1_>Yes</NAT_Keep_Alive_Enable_1_>
  <Register_Expires_1_>3600</Register_Expires_1_>
  <Upgrade_Enable>Yes</Upgrade_Enable>
  <Upgrade_Rule>tftp://{{ ip }}/firmware/spa2102-5-2-12.bin</Upgrade_Rule>
{% endblock %}
