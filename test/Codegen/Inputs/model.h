/* Includes the compiled model's header named by -DM=NAME, with F(x) for NAME##x
 * and U(x) for UPPER##x (-DMU=UPPER): shared by the programs in this folder. */
#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define STR2(a) #a
#define STR(a) STR2(a)
#include STR(M.h)
#define F(x) CAT(M, x)
#define U(x) CAT(MU, x)
