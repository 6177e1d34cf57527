r"""``from_onnx``: an ONNX graph of dense layers back into a ``Model`` or an estimator.

The graph is read as a chain of layers from its one input, each recognised by
the nodes that write it:

=====================  ===================================================
layer                  ONNX nodes
=====================  ===================================================
``DenseBlock``         ``MatMul`` (then ``Add`` of the bias), or ``Gemm``
activation             the nodes that sknetscratch's own converter writes for
                       it (:data:`sknetscratch.io.onnx.ACTIVATION_CONVERTERS`:
                       ``Relu``; ``Where(z > 0, z, s z)`` for leaky_relu; the
                       tanh form of gelu, ...), or the one ONNX operator of
                       that name (``Relu``, ``LeakyRelu``, ``Elu``,
                       ``Softplus``, ``Gelu`` with ``approximate='tanh'``, ...)
``BatchNormalization`` ``BatchNormalization``, or ``Sub``, ``Div`` by
                       ``Sqrt(Add(v, eps))``, ``Mul``, ``Add`` (what
                       ``to_onnx`` writes), or ``Div`` by one constant
                       ``sqrt(v + eps)`` (what it wrote before; read with
                       the default epsilon, predicting within rounding)
``LayerNormalization`` ``LayerNormalization``, or the ``ReduceMean`` formula
                       that ``to_onnx`` writes
(nothing)              ``Identity``, ``Dropout`` (inference), a first ``Cast``
=====================  ===================================================

An activation that directly follows a dense layer becomes that layer's
activation. Activations are matched against the nodes their own converter
writes (built by calling it), so an activation registered with
:func:`sknetscratch.io.onnx.register_activation_converter` is read back too.

What follows the last dense layer is the *head*. A graph with one output that is
the network's output is a core :class:`~sknetscratch.Model`. A graph with a label
and a probability output (what skl2onnx writes for a scikit-learn
``MLPClassifier``, and what :func:`sknetscratch.to_onnx` writes for a
``ScratchMLPClassifier``: ``ArgMax``, ``ArrayFeatureExtractor``, ``Gather``,
``ZipMap``, ``Binarizer``, ``Cast``, ...) is a classifier: the head is run by
``onnx.reference`` on probe logits, the class labels are read from its label
output, and its outputs must be those of a binary (one sigmoid unit), multiclass
(softmax) or multilabel (sigmoid per label) classifier.

The modules, one concept each: ``_graph`` (loading, checking and indexing the
graph), ``_activations`` (activation nodes), ``_normalization`` (batch and
layer normalisation), ``_layers`` (the walk from layer to layer and the
``Model`` it builds), ``_heads`` (a classifier's label and probability
outputs) and ``_read`` (:func:`from_onnx` itself).
"""

from ._read import from_onnx

__all__ = ["from_onnx"]
