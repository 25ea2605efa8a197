"""Deletes visualization jobs the three ways of the ModelArts SDK documentation
("删除可视化作业", ../shared/seeds/): by id, on the object create_visualization_job returned, and
on an element of get_visualization_job_object_list. The three snippets are the documentation's,
with only `modelarts` replaced by `vizjobs.modelarts` in the import lines.

Run it against a vizjobs server:

    vizjobs serve --data-dir /tmp/vj --log-root "$PWD/../shared/fixtures/events" &
    VIZJOBS_CREDENTIALS=/tmp/vj/credentials.json \
    VIZJOBS_TRAIN_URL="$PWD/../shared/fixtures/events/tbx_basic/" \
        python examples/python/delete_visualization_job.py

Environment:
    VIZJOBS_CREDENTIALS   the server's credentials.json (default ./vizjobs-data/credentials.json)
    VIZJOBS_TRAIN_URL     logs the set-up's jobs read (a folder under the server's log roots)
    VISUALIZATION_ID      the job way 1 deletes; without it, the set-up creates one
"""

import os
import sys

# ---- Set-up (not in the documentation): the jobs the three ways delete. -------------------
# The documentation's ids and objects come from earlier calls ("8992", a created job, a listed
# job); on a fresh server they are made here.
from vizjobs.modelarts.session import Session as _SetupSession
from vizjobs.modelarts.estimator import VisualizationJob as _SetupJob

_setup_session = _SetupSession()
_train_url = os.environ.get("VIZJOBS_TRAIN_URL") or os.path.join(os.getcwd(), "logs", "")


def _create(name):
    created = _SetupJob(modelarts_session=_setup_session).create_visualization_job(
        train_url=_train_url, job_name=name, job_desc="delete_visualization_job.py"
    )
    if isinstance(created, dict):  # a refusal: is_success False, error_code, error_msg
        sys.exit(f"cannot create the job {name!r}: {created}")
    print(f"set-up: created {name} with visualization_id={created.visualization_id}")
    return created


visualization_id = os.environ.get("VISUALIZATION_ID") or _create("delete-by-id").visualization_id
# Way 2's object, as returned by "创建可视化作业" (create_visualization_job).
job_visualization_instance = _create("delete-created")
# Way 3's list, as returned by "查询可视化作业对象列表" (get_visualization_job_object_list).
_create("delete-listed")
job_visualization_instance_list = _SetupJob.get_visualization_job_object_list(
    modelarts_session=_setup_session, search_content="delete-listed"
)

# ---- 方式一：根据指定的visualization_id删除 (way 1: by the given visualization_id) ---------
# The documentation's literal id is '8992'; this uses the job the set-up made.
from vizjobs.modelarts.session import Session
from vizjobs.modelarts.estimator import VisualizationJob
session = Session()
job = VisualizationJob(modelarts_session=session, visualization_id=visualization_id)
resp = job.delete_visualization_job()
print("way 1:", resp)

# ---- 方式二：根据创建可视化作业生成的可视化作业对象删除 (way 2: the created job's object) ----
resp = job_visualization_instance.delete_visualization_job()
print("way 2:", resp)

# ---- 方式三：根据查询可视化作业对象列表返回的指定可视化作业对象删除 (way 3: a listed object) ---
resp = job_visualization_instance_list[0].delete_visualization_job()
print("way 3:", resp)
