// Experiments is the library product a user imports (and the CLI's only dependency besides
// ArgumentParser): the vocabulary its public API speaks (datasets, models, fairness methods and
// metrics, and Torch's devices and tensors) comes with it.
@_exported import Datasets
@_exported import Fairness
@_exported import NN
@_exported import Sparsity
@_exported import Torch
