{% extends 'base.tpl' %}

{% block model_specific %}
    <!-- snom D785 specific settings -->
    <led_off_on_idle perm="R">on</led_off_on_idle>
    <color_scheme perm="R">dark</color_scheme>
    <firmware_status perm="R">tftp://{{ ip }}/firmware/snomD785-10.1.46.htm</firmware_status>
    <dkey_retrieve perm="R">speed {{ exten_voicemail }}</dkey_retrieve>
    <dkey_dnd perm="R">keyevent F_DND</dkey_dnd>
    <dkey_conf perm="R">keyevent F_CONFERENCE</dkey_conf>
    <dkey_transfer perm="R">keyevent F_TRANSFER</dkey_transfer>
    <dkey_redial perm="R">keyevent F_REDIAL</dkey_redial>
    <dkey_directory perm="R">keyevent F_ADR_BOOK</dkey_directory>
    <dkey_menu perm="R">keyevent F_SETTINGS</dkey_menu>
    <dkey_help perm="R">keyevent F_HELP</dkey_help>
    <ringer_headset_device perm="R">speaker</ringer_headset_device>
    <alert_internal_ring_sound perm="R">Ringer1</alert_internal_ring_sound>
    <alert_external_ring_sound perm="R">Ringer2</alert_external_ring_sound>
    <dkey_hold perm="R">keyevent F_R</dkey_hold>
{% endblock %}
