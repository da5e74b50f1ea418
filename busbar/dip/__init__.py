"""The local DIP simulator (issue 17), built from the official DIP API specification that the user supplies
at run time (``BUSBAR_DIP_SPEC_DIR``); Busbar never ships the specification itself."""
