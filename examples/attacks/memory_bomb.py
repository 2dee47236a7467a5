# Accident: a memory blow-up in one function (keeps allocating until the limit stops it).
# Fails: public::test_svm_loss_values
#        public::test_svm_loss_gradient_numeric
#        hidden::test_svm_loss_value
#        hidden::test_svm_loss_gradient
#        hidden::test_svm_loss_properties


def svm_loss(scores, y):
    hoard = []
    while True:
        hoard.append(bytearray(100_000_000))
