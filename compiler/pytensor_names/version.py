"""The PyTensor release the name lists were taken from."""

PYTENSOR_VERSION = "3.1.0"
