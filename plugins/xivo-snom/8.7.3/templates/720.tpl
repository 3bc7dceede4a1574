{% extends 'base.tpl' %}

{% block model_specific %}
    <!-- snom 720 specific settings -->
    <led_off_on_idle perm="R">on</led_off_on_idle>
    <expansion_module_type perm="R">D7</expansion_module_type>
    <firmware perm="R">tftp://{{ ip }}/firmware/snom720-8.7.3-SIP-r.bin</firmware>
    <dkey_retrieve perm="R">speed {{ exten_voicemail }}</dkey_retrieve>
    <dkey_dnd perm="R">keyevent F_DND</dkey_dnd>
    <dkey_conf perm="R">keyevent F_CONFERENCE</dkey_conf>
    <dkey_transfer perm="R">keyevent F_TRANSFER</dkey_transfer>
    <dkey_redial perm="R">keyevent F_REDIAL</dkey_redial>
    <dkey_directory perm="R">keyevent F_ADR_BOOK</dkey_directory>
    <dkey_menu perm="R">keyevent F_SETTINGS</dkey_menu>
    <dkey_hold perm="R">keyevent F_R</dkey_hold>
    <ringer_headset_device perm="R">speaker</ringer_headset_device>
    <alert_internal_ring_sound perm="R">Ringer1</alert_internal_ring_sound>
    {% for num, fkey in funckeys.items() %}
    <fkey idx="{{ num }}" context="active" perm="R">{{ fkey.type }} {{ fkey.value }}</fkey>
    {% endfor %}
{% endblock %}
