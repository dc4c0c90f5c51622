/*
 * study_internal.h - what sim/study.c and sim/shard.c share of a study's
 * storage.  Private to libpilotsim.
 */
#ifndef PILOTSIM_STUDY_INTERNAL_H
#define PILOTSIM_STUDY_INTERNAL_H

#include "internal.h"

/* The SIM_NMETRICS values of every unit of task t (nunits of them). */
double *sim__study_task_values(const sim_study *st, size_t task);

/* Allocate zeroed values and have for every task of the study's nconfigs,
 * nrep and nunits: SIM_OK, or SIM_ENOMEM (also when the size overflows). */
sim_rc sim__study_alloc_values(sim_study *st);

/* Allocate room for n configurations (labels, x, windows, scenarios):
 * SIM_OK or SIM_ENOMEM. */
sim_rc sim__study_alloc_configs(sim_study *st, size_t n);

#endif
