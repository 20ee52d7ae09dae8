import NN
