// The C face of LAPACKE and OpenBLAS's CBLAS, as PhysGrad's linear-algebra module sees it.
// An implementation detail: PhysGradLinearAlgebra imports it with `internal import`.
#ifndef CPHYSGRAD_LAPACK_SHIM_H
#define CPHYSGRAD_LAPACK_SHIM_H

#include <cblas.h>
#include <lapacke.h>

// `lapack_int` is a macro (int32_t or int64_t by build); Swift cannot import macros that name
// types, so give it a typedef.
typedef lapack_int lapack_int_t;

#endif
