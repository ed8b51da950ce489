"""Training denoisers on simulated clean images with noise drawn on the fly.

``data`` reads clean datasets, ``patches`` cuts augmented patches (pure), ``step`` takes
one optimiser step, ``loop`` is the orchestrator behind ``temdenoise train``
(:func:`temdenoise.train.loop.run_train`), with its working folder in ``workdir``, what it
draws noise and doses from in ``inputs`` and the model file it writes in ``card``.
"""
