model 100
