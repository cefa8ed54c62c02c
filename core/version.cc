#include "core/version.h"

namespace wpm {

// WPM_VERSION is defined for this file alone, so a version bump recompiles one file.
std::string_view wpm_version() { return WPM_VERSION; }

}  // namespace wpm
