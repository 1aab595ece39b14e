#!/bin/bash
# Queues the sweep's job array, then the merge, which waits until every task of the array has
# succeeded (afterok) and is cancelled if one fails (--kill-on-invalid-dep). Run it from the
# folder the results should go to:   bash path/to/docs/cluster/slurm/submit.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
array=$(sbatch --parsable "$here/sweep-array.sbatch")
array=${array%%;*}    # --parsable prints "jobid" or "jobid;cluster"
merge=$(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes "$here/sweep-merge.sbatch")
echo "array job $array, merge job ${merge%%;*} (after every task of $array succeeded)"
