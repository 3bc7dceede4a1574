def firmware_name(folder):
    return 'fw-%s.bin' % folder
