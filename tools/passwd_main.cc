// dazong-passwd: hashes a FIX password or HTTP API token for the exchange config, or checks a
// secret against a hash.
//
//   dazong-passwd SECRET              print the argon2id hash of SECRET
//   dazong-passwd -- SECRET           the same, for a SECRET that starts with '-'
//   dazong-passwd [-]                 read the secret from stdin (first line; prompts on a tty)
//   dazong-passwd --verify HASH [SECRET|-]
//                                     exit 0 if SECRET matches HASH, 1 if not
//
// Exit codes: 0 success / match, 1 no match, 2 usage or I/O error.
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "dazong/common/credentials.h"

namespace {

constexpr int kExitNoMatch = 1;
constexpr int kExitUsage = 2;

void PrintUsage(std::ostream& out) {
  out << "usage: dazong-passwd [SECRET | - | -- SECRET]\n"
         "       dazong-passwd --verify HASH [SECRET | -]\n"
         "\n"
         "Prints the argon2id hash (libsodium crypto_pwhash_str, interactive cost) of SECRET,\n"
         "for password_hash and api_token_hash keys of the exchange config. With no SECRET or\n"
         "\"-\" the secret is read from the first line of standard input (without echo on a\n"
         "terminal). A secret given on the command line is visible to other local users in\n"
         "the process list; prefer stdin for real secrets.\n"
         "\n"
         "--verify exits 0 when SECRET matches HASH and 1 when it does not.\n";
}

// Reads one line from stdin without its line terminator. On a terminal, prompts on stderr and
// turns echo off while reading.
std::optional<std::string> ReadSecretFromStdin() {
  const bool tty = isatty(STDIN_FILENO) != 0;
  termios saved{};
  bool echo_off = false;
  if (tty) {
    std::cerr << "Secret: " << std::flush;
    if (tcgetattr(STDIN_FILENO, &saved) == 0) {
      termios quiet = saved;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      echo_off = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (echo_off) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  if (tty) std::cerr << "\n";
  if (!got && line.empty()) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::optional<std::string> SecretArg(int argc, char** argv, int index) {
  if (index >= argc || std::string_view(argv[index]) == "-") return ReadSecretFromStdin();
  return std::string(argv[index]);
}

int Hash(int argc, char** argv) {
  if (argc > 2) {
    PrintUsage(std::cerr);
    return kExitUsage;
  }
  std::optional<std::string> secret = SecretArg(argc, argv, 1);
  if (!secret.has_value()) {
    std::cerr << "dazong-passwd: no secret on standard input\n";
    return kExitUsage;
  }
  absl::StatusOr<std::string> hash = dazong::HashSecret(*secret);
  if (!hash.ok()) {
    std::cerr << "dazong-passwd: " << hash.status().message() << "\n";
    return kExitUsage;
  }
  std::cout << *hash << "\n";
  return 0;
}

int Verify(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    PrintUsage(std::cerr);
    return kExitUsage;
  }
  std::optional<std::string> secret = SecretArg(argc, argv, 3);
  if (!secret.has_value()) {
    std::cerr << "dazong-passwd: no secret on standard input\n";
    return kExitUsage;
  }
  if (dazong::VerifySecret(argv[2], *secret)) {
    std::cerr << "match\n";
    return 0;
  }
  std::cerr << "no match\n";
  return kExitNoMatch;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2) {
    const std::string_view first = argv[1];
    if (first == "-h" || first == "--help") {
      PrintUsage(std::cout);
      return 0;
    }
    if (first == "--verify") return Verify(argc, argv);
    if (first == "--") return Hash(argc - 1, argv + 1);  // a secret that starts with '-'
    if (first.size() > 1 && first.front() == '-' && first != "-") {
      std::cerr << "dazong-passwd: unknown option " << first << "\n";
      PrintUsage(std::cerr);
      return kExitUsage;
    }
  }
  return Hash(argc, argv);
}
