/* state.c: init's one state (state.h), set up by main.c and worked on by the supervisor and the name service. */
#include "state.h"

struct init init_g;
