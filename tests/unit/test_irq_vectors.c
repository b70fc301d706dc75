/* test_irq_vectors.c - the vectors a recorded step watches the handlers
 * of, from the local APIC's page and the I/O APIC (kvm/dev/irqchip.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../kvm/dev/irqchip.h"

#define MASKED	(1u << 16)

static void put(uint8_t *page, unsigned int off, uint32_t v)
{
	memcpy(page + off, &v, sizeof(v));
}

/* A LAPIC as after reset: every LVT masked, LINT0 in ExtINT mode. */
static void lapic_reset(uint8_t *page)
{
	memset(page, 0, KVM_APIC_REG_SIZE);
	for (unsigned int off = 0x320; off <= 0x370; off += 0x10)
		put(page, off, MASKED);
	put(page, 0x350, 0x700);		/* LINT0: ExtINT, the PIC's */
}

static void set_bit_at(uint8_t *page, unsigned int base, int vec)
{
	uint32_t v;

	memcpy(&v, page + base + (vec / 32) * 16, sizeof(v));
	put(page, base + (vec / 32) * 16, v | 1u << (vec % 32));
}

/* Nothing unmasked, nothing requested: no vector (ExtINT is the PIC's). */
static void test_reset_none(void **state)
{
	uint8_t page[KVM_APIC_REG_SIZE];
	int vecs[8];

	(void)state;
	lapic_reset(page);
	assert_int_equal(irqchip__apic_order(page, NULL, vecs, 8), 0);
}

/* Requested above the priority class first (highest first), then the
 * I/O APIC's raised pins, the LVTs, the other pins, the IRR below PPR. */
static void test_order(void **state)
{
	uint8_t page[KVM_APIC_REG_SIZE];
	struct kvm_ioapic_state io;
	int vecs[16], n;

	(void)state;
	lapic_reset(page);
	memset(&io, 0, sizeof(io));
	for (int pin = 0; pin < KVM_IOAPIC_NUM_PINS; pin++)
		io.redirtbl[pin].bits = MASKED;
	put(page, 0x080, 0x30);			/* TPR class 3 */
	set_bit_at(page, 0x200, 0x31);		/* requested, not above the TPR */
	set_bit_at(page, 0x200, 0x51);
	set_bit_at(page, 0x200, 0x62);
	put(page, 0x320, 0x20040);		/* timer: periodic, 0x40 */
	put(page, 0x360, 0x400);		/* LINT1: NMI */
	put(page, 0x370, 0x42);			/* error */
	io.redirtbl[0].bits = 0x41;
	io.redirtbl[1].bits = 0x44;
	io.redirtbl[3].bits = 0x45 | 0x700;	/* ExtINT: the PIC's, left out */
	io.redirtbl[4].bits = 0x40;		/* the timer's vector again: once */
	io.irr = 1u << 1;
	n = irqchip__apic_order(page, &io, vecs, 16);
	assert_int_equal(n, 8);
	assert_int_equal(vecs[0], 0x62);
	assert_int_equal(vecs[1], 0x51);
	assert_int_equal(vecs[2], 0x44);	/* pin 1 raised */
	assert_int_equal(vecs[3], 0x40);
	assert_int_equal(vecs[4], 2);		/* NMI */
	assert_int_equal(vecs[5], 0x42);
	assert_int_equal(vecs[6], 0x41);
	assert_int_equal(vecs[7], 0x31);	/* held back by the TPR: last */
}

/* A vector in service raises the class: the IRR at or below it comes
 * after the sources; max bounds the list. */
static void test_in_service_and_max(void **state)
{
	uint8_t page[KVM_APIC_REG_SIZE];
	int vecs[3], n;

	(void)state;
	lapic_reset(page);
	set_bit_at(page, 0x100, 0x50);		/* in service: class 5 */
	set_bit_at(page, 0x200, 0x52);		/* held back by it */
	set_bit_at(page, 0x200, 0x61);		/* above it */
	put(page, 0x320, 0x40);
	put(page, 0x350, 0x48);			/* LINT0: fixed, 0x48 */
	n = irqchip__apic_order(page, NULL, vecs, 3);
	assert_int_equal(n, 3);
	assert_int_equal(vecs[0], 0x61);
	assert_int_equal(vecs[1], 0x40);
	assert_int_equal(vecs[2], 0x48);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_none),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_in_service_and_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
