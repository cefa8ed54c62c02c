// The log-linear latency histogram lives in core/ (core/histogram.h): the load generator
// records into it and reports/ merges the generators' histograms read back from their reports.
#pragma once

#include "core/histogram.h"
