"""The ModelArts SDK's visualization-job calls, keyword for keyword.

Code written for Huawei's ModelArts SDK runs unchanged but for the import lines::

    from vizjobs.modelarts.session import Session          # was: from modelarts.session ...
    from vizjobs.modelarts.estimator import VisualizationJob   # was: from modelarts.estimator ...
    session = Session()
    job = VisualizationJob(modelarts_session=session, visualization_id='8992')
    resp = job.delete_visualization_job()

Every call is one request of the jobs API (``/v1/{project_id}/visualization-jobs``), signed
and sent by the Rust SDK; answers are the same dicts as the ModelArts SDK's.
"""

from .estimator import VisualizationJob
from .session import Session

__all__ = ["Session", "VisualizationJob"]
