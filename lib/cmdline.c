/*
 * Looking up words of the hypervisor's command line. Pure.
 */
#include "lib/cmdline.h"

#include "lib/string.h"

bool cmdline_get(const char *s, const char *key, char *out, size_t out_size)
{
	size_t key_len = strlen(key);
	bool found = false;

	if (!s || !key_len || !out_size)
		return false;
	while (*s) {
		const char *word = s, *end;

		while (*s && *s != ' ' && *s != '\t')
			s++;
		end = s;
		while (*s == ' ' || *s == '\t')
			s++;
		if ((size_t)(end - word) < key_len || memcmp(word, key, key_len))
			continue;
		if (word + key_len == end) {
			out[0] = 0;
			found = true;
		} else if (word[key_len] == '=') {
			const char *v = word + key_len + 1;
			size_t n = (size_t)(end - v);

			if (n > out_size - 1)
				n = out_size - 1;
			memcpy(out, v, n);
			out[n] = 0;
			found = true;
		}
	}
	return found;
}
