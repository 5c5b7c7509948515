// Debian's libroaring-dev (CRoaring): the portable Roaring serialization 1.x's
// series-id sets use (Go's github.com/RoaringBitmap/roaring writes the same bytes).
#include <roaring/roaring.h>
