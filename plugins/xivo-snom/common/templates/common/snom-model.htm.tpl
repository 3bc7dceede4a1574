<html>
<pre>
# Bootstrap file written by configure_common for snom{{ model }}
setting_server$: http://{{ ip }}:{{ http_port }}/snom{{ model }}-{mac}.htm
</pre>
</html>
