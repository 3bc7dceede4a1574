def banner(model):
    return 'corpus %s\n' % model
