#!/bin/sh
# Submit the shards as a job array, and the merge to run once all succeeded.
set -eu
cd "$(dirname "$0")/../.."   # run from the source tree (scenarios/...)
array=$(sbatch --parsable examples/slurm/sweep.sbatch)
sbatch --dependency="afterok:$array" examples/slurm/merge.sbatch
