// libxcrypt (Debian libcrypt-dev): crypt_r and crypt_gensalt_rn, which implement bcrypt
// ($2a$/$2b$) as InfluxDB 1.x's golang.org/x/crypto/bcrypt writes and checks it.
#include <crypt.h>
