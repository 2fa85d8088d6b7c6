/*
 * The operator's serial line as the console domain sees it: bytes typed on
 * the host's UART wait in a ring until the console domain reads them
 * (HC_OP_READ), and its output goes out between whole log lines.
 */
#ifndef VMM_OPERATOR_H
#define VMM_OPERATOR_H

#include <stdbool.h>
#include <stddef.h>

/* Moves what the host UART received into the input ring. Cheap when nothing came. */
void operator_poll(void);
bool operator_has_input(void);
size_t operator_read(char *buf, size_t len);
void operator_write(const char *s, size_t len);

#endif
