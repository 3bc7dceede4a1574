proxy={{ proxy_ip }}
