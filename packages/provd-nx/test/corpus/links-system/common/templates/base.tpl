line #FOLDER#
