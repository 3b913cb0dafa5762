"""Settings modules: ``base`` holds everything, the others adjust it.

``officina.settings.dev`` is the default for the ``officina`` command;
``OFFICINA_ENV=production`` selects ``prod``, which refuses insecure defaults.
"""
