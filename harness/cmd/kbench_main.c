/*
 * kbench_main.c - the main of every benchmark binary, like benchmark_main:
 * link it with your suites and libkbench.
 */
#include "kbench.h"

int main(int argc, char **argv)
{
	return kb_main(argc, argv);
}
