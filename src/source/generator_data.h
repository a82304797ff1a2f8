// File: source/generator_data.h
// The synthetic firehose's data (internal to source/generator.cc): the word
// lists embedded at build time, the languages with their shares, URL
// targets, places and rule tags.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace starling::source::generator_detail {

// ---------------------------------------------------------------------------
// Word lists: data in source/generator_words/*.txt, turned into constexpr
// arrays (kEnPhrases, kHeadTags, kEmoji...) at build time by
// gen_generator_words.cmake. Phrases contain no '#', '@', '$', '&', '<', '>',
// no '.' inside a word and no URL-like token, so the extractor finds nothing
// in them.

using Words = std::span<const std::string_view>;

#include "generator_words.inc"  // NOLINT(build/include)

struct LanguageSpec {
  std::string_view code;
  double share;            // of all posts
  bool spaced;             // phrases joined by a space (else mostly directly)
  bool family_name_first;  // "김민준", "田中さくら": family name, no space
  Words phrases;           // empty for "und": emoji and entities only
  Words endings;
  Words first_names;
  Words last_names;
};

inline constexpr LanguageSpec kLanguages[] = {
    {"en", 0.38, true, false, kEnPhrases, kEnEndings, kEnFirstNames, kEnLastNames},
    {"ja", 0.15, false, true, kJaPhrases, kJaEndings, kJaFirstNames, kJaLastNames},
    {"es", 0.09, true, false, kEsPhrases, kEsEndings, kEsFirstNames, kEsLastNames},
    {"pt", 0.06, true, false, kPtPhrases, kPtEndings, kPtFirstNames, kPtLastNames},
    {"ar", 0.04, true, false, kArPhrases, kArEndings, kArFirstNames, kArLastNames},
    {"ko", 0.04, true, true, kKoPhrases, kKoEndings, kKoFirstNames, kKoLastNames},
    {"in", 0.04, true, false, kInPhrases, kInEndings, kInFirstNames, kInLastNames},
    {"tr", 0.03, true, false, kTrPhrases, kTrEndings, kTrFirstNames, kTrLastNames},
    {"fr", 0.03, true, false, kFrPhrases, kFrEndings, kFrFirstNames, kFrLastNames},
    {"th", 0.02, true, false, kThPhrases, kThEndings, kThFirstNames, {}},
    {"hi", 0.02, true, false, kHiPhrases, kHiEndings, kHiFirstNames, kHiLastNames},
    {"de", 0.015, true, false, kDePhrases, kDeEndings, kDeFirstNames, kDeLastNames},
    {"ru", 0.015, true, false, kRuPhrases, kRuEndings, kRuFirstNames, kRuLastNames},
    {"it", 0.01, true, false, kItPhrases, kItEndings, kItFirstNames, kItLastNames},
    {"zh", 0.01, false, true, kZhPhrases, kZhEndings, kZhFirstNames, {}},
    {"und", 0.05, true, false, {}, {}, {}, {}},
};
inline constexpr std::size_t kNumLanguages = std::size(kLanguages);
inline constexpr std::uint8_t kUnd = kNumLanguages - 1;
inline constexpr double kUndShare = 0.05;

inline constexpr Words kScriptTagWords[] = {kJaTagWords, kKoTagWords, kArTagWords,
                                            kHiTagWords, kRuTagWords, kThTagWords};

struct UrlTarget {
  std::string_view prefix;
  int code_len;
  std::string_view suffix;
};
inline constexpr UrlTarget kUrlTargets[] = {
    {"https://www.youtube.com/watch?v=", 11, ""},
    {"https://youtu.be/", 11, ""},
    {"https://open.spotify.com/track/", 22, ""},
    {"https://www.instagram.com/p/", 11, "/"},
    {"https://www.bbc.com/news/articles/c", 10, ""},
    {"https://www.nytimes.com/2024/05/12/world/", 12, ".html"},
    {"https://bit.ly/", 7, ""},
    {"https://www3.nhk.or.jp/news/html/", 14, ".html"},
    {"https://g1.globo.com/", 9, ".ghtml"},
    {"https://www.tiktok.com/@creator/video/", 19, ""},
    {"https://www.twitch.tv/", 8, ""},
    {"https://github.com/", 9, ""},
};

struct PlaceSpec {
  std::string_view id, full_name, name, country, country_code, place_type, bbox;
  std::uint8_t lang;
};
inline constexpr PlaceSpec kPlaces[] = {
    {"01a9a39529b27f36", "Manhattan, NY", "Manhattan", "United States", "US", "city",
     "[-74.026675,40.683935,-73.910408,40.877483]", 0},
    {"3b77caf94bfc81fe", "Los Angeles, CA", "Los Angeles", "United States", "US", "city",
     "[-118.668404,33.704538,-118.155409,34.337041]", 0},
    {"457b4814b4240d87", "London, England", "London", "United Kingdom", "GB", "city",
     "[-0.187894,51.483718,-0.109978,51.516466]", 0},
    {"8f1d7e5a2c3b4a61", "Lagos, Nigeria", "Lagos", "Nigeria", "NG", "city",
     "[3.098273,6.393351,3.696429,6.702798]", 0},
    {"6b9ed4869788d40e", "Shibuya-ku, Tokyo", "Shibuya-ku", "Japan", "JP", "city",
     "[139.661364,35.641247,139.723454,35.692378]", 1},
    {"0a3f6d3b2b8c7e11", "Osaka-shi, Osaka", "Osaka-shi", "Japan", "JP", "city",
     "[135.380011,34.565826,135.588007,34.771611]", 1},
    {"206e932cc0e89fa2", "Madrid, España", "Madrid", "España", "ES", "city",
     "[-3.888954,40.312061,-3.517916,40.643808]", 2},
    {"018f1cde6bad9747", "Ciudad Autónoma de Buenos Aires, Argentina",
     "Ciudad Autónoma de Buenos Aires", "Argentina", "AR", "city",
     "[-58.531792,-34.674453,-58.335292,-34.526512]", 2},
    {"25530ba03b7d90c6", "Ciudad de México, México", "Ciudad de México", "México", "MX", "city",
     "[-99.364924,19.048237,-98.940303,19.592757]", 2},
    {"68e019afec7d0ba5", "São Paulo, Brasil", "São Paulo", "Brasil", "BR", "city",
     "[-46.826039,-24.008814,-46.365052,-23.356792]", 3},
    {"97bcdfca1a2dca59", "Rio de Janeiro, Brasil", "Rio de Janeiro", "Brasil", "BR", "city",
     "[-43.795449,-23.08302,-43.087707,-22.739823]", 3},
    {"4a0f7b3d9c2e5f18", "Riyadh, Kingdom of Saudi Arabia", "Riyadh", "Kingdom of Saudi Arabia",
     "SA", "city", "[46.406,24.4429,46.9881,24.9856]", 4},
    {"1d7c0e3f5a9b2c44", "Cairo, Egypt", "Cairo", "Egypt", "EG", "city",
     "[31.1372,29.9561,31.4472,30.1606]", 4},
    {"b2c9d3e1f0a47e55", "Seoul, Republic of Korea", "Seoul", "Republic of Korea", "KR", "city",
     "[126.764,37.4283,127.184,37.7015]", 5},
    {"c5e6f7a8b9d0e166", "Jakarta Capital Region, Indonesia", "Jakarta Capital Region", "Indonesia",
     "ID", "admin", "[106.6894,-6.3709,106.9737,-6.0886]", 6},
    {"d7e8f9a0b1c2d377", "İstanbul, Türkiye", "İstanbul", "Türkiye", "TR", "city",
     "[28.5955,40.8027,29.4293,41.3201]", 7},
    {"09f6a7c7f8d9a088", "Paris, France", "Paris", "France", "FR", "city",
     "[2.224101,48.815521,2.469905,48.902146]", 8},
    {"e9f0a1b2c3d4e599", "Bangkok, Thailand", "Bangkok", "Thailand", "TH", "city",
     "[100.3279,13.4936,100.9384,13.9551]", 9},
    {"f1a2b3c4d5e6f7a0", "Mumbai, India", "Mumbai", "India", "IN", "city",
     "[72.7758,18.8928,72.9864,19.2709]", 10},
    {"a3b4c5d6e7f8091b", "Berlin, Deutschland", "Berlin", "Deutschland", "DE", "city",
     "[13.088304,52.338079,13.760909,52.675323]", 11},
    {"b5c6d7e8f9a0b12c", "Moscow, Russia", "Moscow", "Russia", "RU", "city",
     "[37.3193,55.4909,37.9457,55.9576]", 12},
    {"c7d8e9f0a1b2c33d", "Roma, Lazio", "Roma", "Italia", "IT", "city",
     "[12.2344,41.6556,12.8557,42.1410]", 13},
    {"d9e0f1a2b3c4d55e", "Shanghai, People's Republic of China", "Shanghai",
     "People's Republic of China", "CN", "city", "[120.8522,30.6913,122.1183,31.8727]", 14},
};

inline constexpr std::string_view kRuleTags[] = {"firehose", "hashtags", "links"};

}  // namespace starling::source::generator_detail
