# Configuration written by provd for {{ ip }}
{% for line_no, line in sip_lines.items() %}
line{{ line_no }}.enabled = 1
line{{ line_no }}.display_name = {{ line['display_name'] }}
line{{ line_no }}.user = {{ line['username'] }}
line{{ line_no }}.password = {{ line['password'] }}
line{{ line_no }}.registrar = {{ line['proxy_ip'] or sip_proxy_ip }}
{% endfor %}
{% block model_specific %}{% endblock %}
