/*
 * fuzz_json_read.c - libFuzzer target for the results reader: any bytes
 * must give 0 with a valid run, or a negative code with a message; never a
 * crash, leak, or undefined behaviour.  `make fuzz` runs it for FUZZ_TIME
 * seconds from the good and bad files of tests/data/.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "error.h"
#include "json_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kb_run run;
	size_t i;

	if (kb_run_parse((const char *)data, size, "fuzz", &run) == 0) {
		/* touch what the checker reads */
		for (i = 0; i < run.nresults; i++)
			if (run.results[i].nsamples && !(run.results[i].samples_ns[0] > 0))
				__builtin_trap();
		kb_run_clear(&run);
	} else if (!kb_last_error()[0]) {
		__builtin_trap(); /* a refusal always says why */
	}
	return 0;
}
