{% extends 'base.tpl' %}

{% block model_specific %}
    <!-- snom 360 specific settings -->
    <display_method perm="R">display_name_number</display_method>
    <contrast perm="R">9</contrast>
    <firmware perm="R">tftp://{{ ip }}/firmware/snom360-8.4.35-SIP-f.bin</firmware>
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
