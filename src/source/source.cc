// File: source/source.cc
// (being written)
