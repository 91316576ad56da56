"""Starting the product under test in containers (a target file's ``launch:`` section).

Why in the harness and apart from the core: a vendor's CI pipeline builds the product as an image;
renkei starts it, waits until it is ready, runs the profile against it and always removes what it
started. Only this package talks to Docker (through the optional ``docker`` SDK, imported when a
target asks for containers); it knows nothing of mocks or reports. ``self_image`` and
``mock_ecosystem`` build an image of the installed renkei and run the mock ecosystem in it
(``renkei mocks image`` / ``up --docker`` / ``down``), naming the module to run, never importing it.
"""
