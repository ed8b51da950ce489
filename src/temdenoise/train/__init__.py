"""Training denoisers on simulated clean images with noise drawn on the fly.

``data`` reads clean datasets, ``patches`` cuts augmented patches (pure), ``loop`` is the
orchestrator behind ``temdenoise train`` (:func:`temdenoise.train.loop.run_train`).
"""
