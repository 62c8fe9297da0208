"""Build hook: put the case studies, notebooks and lock file inside the wheel.

Only regular wheels get them, under ``mlkit/_bundle``; an editable install reads
them from the checkout (see ``mlkit/_resources.py``).
"""

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLED = {
    "case_studies": "mlkit/_bundle/case_studies",
    "notebooks": "mlkit/_bundle/notebooks",
    "requirements/lock.txt": "mlkit/_bundle/requirements/lock.txt",
}


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version, build_data):
        if self.target_name == "wheel" and version == "standard":
            build_data["force_include"].update(BUNDLED)
