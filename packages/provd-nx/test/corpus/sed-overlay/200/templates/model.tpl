model 200
