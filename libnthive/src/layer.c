/* Layered keys (format 1.6 differencing hives): the layer semantics in
 * byte 1 of the nk access bits and the vk tombstone flag. */
#include "nthive_forensic.h"
#include "ntcore/endian.h"

#define BB_FLAGS 144
#define BB_FLAG_LAYERED 0x2u

void nthive_key_layer(const nthive_key *key, nthive_layer *layer)
{
    uint8_t bits = (uint8_t)(nthive_key_access_bits(key) >> 8);

    layer->semantics = NTHIVE_LAYER_NONE;
    layer->inherit_class = false;
    layer->layered_hive = false;
    if (key->hive->minor < 6)
        return; /* the byte is unused before 1.6 and may hold anything */
    /* Bit 0: inherit class; bits 6-7: layer semantics. */
    layer->inherit_class = (bits & 0x01) != 0;
    layer->semantics = bits >> 6;
    layer->layered_hive = (nt_le32(key->hive->file + BB_FLAGS) & BB_FLAG_LAYERED) != 0;
}

bool nthive_value_is_tombstone(const nthive_value *value)
{
    return value->hive->minor >= 6 && (nthive_value_flags(value) & NTHIVE_VALUE_TOMBSTONE) != 0;
}

const char *nthive_layer_name(unsigned semantics)
{
    switch (semantics) {
    case NTHIVE_LAYER_NONE:
        return "none";
    case NTHIVE_LAYER_TOMBSTONE:
        return "tombstone";
    case NTHIVE_LAYER_SUPERSEDE_LOCAL:
        return "supersede-local";
    case NTHIVE_LAYER_SUPERSEDE_TREE:
        return "supersede-tree";
    default:
        return "unknown";
    }
}
