server={{ server }}
