// File: model/post_json.cc
// (being written)
#include "model/post_json.h"
