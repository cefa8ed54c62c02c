// wpm's version, set once by CMake's project(VERSION …).
#pragma once

#include <string_view>

namespace wpm {

std::string_view wpm_version();  // "0.1.0"

}  // namespace wpm
