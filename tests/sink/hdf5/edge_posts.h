// File: tests/sink/hdf5/edge_posts.h
// Posts that stress a store's text and NULL handling: emoji (ZWJ
// sequences), right-to-left text, a post over 280 characters, a very long
// URL, and a post whose every nullable column is NULL beside one whose
// numbers are 0 (not NULL).
#pragma once

#include <string>
#include <vector>

#include "model/post.h"

namespace starling::sink::testing {

inline std::vector<model::Post> EdgePosts() {
  using namespace model;
  std::vector<Post> v;

  Post emoji;
  emoji.id = "e1";
  emoji.provider = Provider::kBluesky;
  emoji.created_at = 1700000000000001LL;
  emoji.author = {"did:plc:zz", "crab.bsky.social", "\xF0\x9F\xA6\x80 Ferris"};
  // 👩‍👩‍👧 (ZWJ), 🏳️‍🌈, a skin tone, then a hashtag after them.
  emoji.text =
      "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7 "
      "\xF0\x9F\x8F\xB3\xEF\xB8\x8F\xE2\x80\x8D\xF0\x9F\x8C\x88 \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD "
      "#\xF0\x9F\xA6\x80rust";
  emoji.lang = "en";
  emoji.hashtags = {{"\xF0\x9F\xA6\x80rust", {13, 19}}};
  emoji.source_format = "bluesky";
  emoji.raw = "{\"text\":\"\\ud83e\\udd80\"}";
  v.push_back(emoji);

  Post rtl;
  rtl.id = "r2";
  rtl.provider = Provider::kX;
  rtl.created_at = 1700000000000002LL;
  rtl.author = {"77", "\xD8\xB3\xD9\x84\xD8\xA7\xD9\x85", "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D"};
  // "مرحبا بالعالم #سلام @علي" and Hebrew "שלום עולם".
  rtl.text =
      "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7 "
      "\xD8\xA8\xD8\xA7\xD9\x84\xD8\xB9\xD8\xA7\xD9\x84\xD9"
      "\x85 #\xD8\xB3\xD9\x84\xD8\xA7\xD9\x85 @\xD8\xB9\xD9\x84\xD9\x8A "
      "\xD7\xA9\xD7\x9C\xD7\x95\xD7"
      "\x9D \xD7\xA2\xD7\x95\xD7\x9C\xD7\x9D";
  rtl.lang = "ar";
  rtl.hashtags = {{"\xD8\xB3\xD9\x84\xD8\xA7\xD9\x85", {14, 19}}};
  rtl.mentions = {{"\xD8\xB9\xD9\x84\xD9\x8A", "", {20, 24}}};
  rtl.source_format = "x-v2";
  v.push_back(rtl);

  Post long_post;
  long_post.id = "l3";
  long_post.provider = Provider::kMastodon;
  long_post.created_at = 1700000000000003LL;
  long_post.author = {"5", "long", "Long"};
  for (int i = 0; i < 60; ++i) long_post.text += "word\xC3\xA9 \xE2\x9C\xA8 ";  // 480 code points
  long_post.text += "https://example.com/end";
  std::string url = "https://example.com/";
  while (url.size() < 4000) url += "path/segment-\xC3\xBC/";
  url += "?q=1&r=%20x#frag";
  long_post.urls = {
      {"https://t.co/long", url, "example.com/path/seg\xE2\x80\xA6", url + "&final", {480, 503}}};
  long_post.lang = "fr";
  long_post.source_format = "mastodon";
  long_post.raw = "{\"content\":\"" + long_post.text + "\"}";
  v.push_back(long_post);

  // Every nullable column NULL: no reference (ref_id), no metrics, no geo,
  // no place, no raw, no channel; a mention without user id, a URL without
  // expansions, entities without offsets.
  Post nulls;
  nulls.id = "n4";
  nulls.provider = Provider::kUnknown;
  nulls.created_at = 0;
  nulls.kind = PostKind::kPost;
  nulls.mentions = {{"nobody", "", {-1, -1}}};
  nulls.urls = {{"http://x.y", "", "", "", {-1, -1}}};
  nulls.hashtags = {{"NoOffsets", {-1, -1}}};
  nulls.cashtags = {{"XYZ", {-1, -1}}};
  nulls.source_format = "starling";
  v.push_back(nulls);

  // The same columns with values that look empty but are not NULL: zeros.
  Post zeros;
  zeros.id = "z5";
  zeros.provider = Provider::kX;
  zeros.created_at = -1000000;  // before the epoch
  zeros.metrics = {0, 0, 0, 0, 0};
  zeros.geo.lon = 0.0;
  zeros.geo.lat = -0.0;
  zeros.hashtags = {{"zero", {0, 5}}};
  zeros.source_format = "x-v11";
  v.push_back(zeros);
  return v;
}

}  // namespace starling::sink::testing
