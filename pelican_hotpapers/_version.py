"""The plugin's version, in a module of its own.

The package's ``__init__`` imports the Pelican glue when Pelican calls
``register()``; a module that needs the version (the render memo's key, the
User-Agent, ``--version``) imports it from here, so that none of them
imports the package that imports them. setup.cfg reads it here too.
"""

__version__ = "0.1.0"
