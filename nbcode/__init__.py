"""nbcode: the small, tested NumPy library behind the book *Neural Networks from First Principles*.

Every chapter imports what it teaches from here, once it has built the idea from scratch.
The numerical core (activations, losses, layers, network, init, optim, gradcheck) depends on
NumPy only; ``plot`` and ``widgets`` are the only modules that know matplotlib and ipywidgets.
"""

__version__ = "0.1.0"
